import { notAvailable } from '../not-available.js';

export default notAvailable('snapshot', 'part 3: recovery');
