import { notAvailable } from '../not-available.js';

export default notAvailable('restore', 'part 3: recovery');
